package signatures

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
)

// dbCacheKey hashes everything a compiled database depends on: the layout version, the
// Hyperscan version and platform, and every pattern's bytes, flags and window, in id order.
// Bump the layout tag whenever the database layout or the pattern flags change meaning.
func dbCacheKey(pats []fastPattern) string {
	h := sha256.New()
	fmt.Fprintf(h, "nightjar-hs-block-v3\x00%s\x00%d\x00", hsVersion(), len(pats))
	for i := range pats {
		p := &pats[i]
		fmt.Fprintf(h, "%d\x00%d\x00%d\x00%d\x00", len(p.lit), p.hsFlags(), p.minEnd, p.maxEnd)
		h.Write([]byte(p.lit))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// dbBuilder builds the databases of one Compile. Identical pattern sets (the same patterns in
// both directions of a class, say) are compiled or loaded once and shared.
type dbBuilder struct {
	cacheDir string
	built    map[string]*hsDB // by dbCacheKey
	stats    *EngineStats
}

// build returns the database for pats: the one built for the same patterns earlier in this
// Compile, else a valid copy from the cache directory, else compiled (and then stored when
// the cache is on). On a compile error naming one pattern, bad is that pattern's index (-1
// otherwise). Stats count distinct databases.
func (b *dbBuilder) build(pats []fastPattern) (db *hsDB, bad int, err error) {
	key := dbCacheKey(pats)
	if db := b.built[key]; db != nil {
		return db, -1, nil
	}
	db, cached, bad, err := loadOrCompile(pats, key, b.cacheDir)
	if err != nil {
		return nil, bad, err
	}
	if b.built == nil {
		b.built = map[string]*hsDB{}
	}
	b.built[key] = db
	b.stats.Databases++
	b.stats.Patterns += len(pats)
	if cached {
		b.stats.CachedDBs++
	}
	return db, -1, nil
}

// loadOrCompile returns the database for pats (cache key key), from cacheDir when a valid
// copy is there, else compiled and stored.
func loadOrCompile(pats []fastPattern, key, cacheDir string) (db *hsDB, cached bool, bad int, err error) {
	var path string
	if cacheDir != "" {
		path = filepath.Join(cacheDir, key+".hsdb")
		if data, rerr := os.ReadFile(path); rerr == nil {
			if body, ok := unsealCache(data); ok {
				if db, derr := loadHSDB(body, pats); derr == nil {
					return db, true, -1, nil
				}
			}
			// A stale or damaged file: rebuild and overwrite it below.
		}
	}
	db, data, bad, err := compilePatterns(pats)
	if err != nil {
		return nil, false, bad, err
	}
	if path != "" {
		// The cache is an optimisation: a failure to write it costs the next start a compile.
		_ = writeFileAtomic(path, sealCache(data))
	}
	return db, false, -1, nil
}

// A cache file is the serialized database followed by its CRC-32C: Hyperscan checks the
// bytecode of a database it deserializes, but not every byte of the file, and a damaged file
// must cost a compile, never a broken engine.
var cacheCRC = crc32.MakeTable(crc32.Castagnoli)

func sealCache(data []byte) []byte {
	return binary.LittleEndian.AppendUint32(data, crc32.Checksum(data, cacheCRC))
}

func unsealCache(file []byte) ([]byte, bool) {
	if len(file) < 4 {
		return nil, false
	}
	body := file[:len(file)-4]
	return body, crc32.Checksum(body, cacheCRC) == binary.LittleEndian.Uint32(file[len(file)-4:])
}

// writeFileAtomic writes through a temporary file and a rename, so a concurrent start never
// reads half a database.
func writeFileAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".hsdb-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}
