package signatures

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
)

// dbCacheKey hashes everything a compiled database depends on: the layout version, the
// Hyperscan version and platform, and every pattern's bytes, flags and window, in id order.
// Bump the layout tag whenever the database layout or the pattern flags change meaning.
func dbCacheKey(pats []fastPattern) string {
	h := sha256.New()
	fmt.Fprintf(h, "nightjar-hs-block-v2\x00%s\x00%d\x00", hsVersion(), len(pats))
	for i := range pats {
		p := &pats[i]
		fmt.Fprintf(h, "%d\x00%d\x00%d\x00%d\x00", len(p.lit), p.hsFlags(), p.minEnd, p.maxEnd)
		h.Write([]byte(p.lit))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// buildDB returns the database for pats, from cacheDir when a valid copy is there, else
// compiled (and then stored when cacheDir is set). On a compile error naming one pattern, bad
// is that pattern's index (-1 otherwise).
func buildDB(pats []fastPattern, cacheDir string) (db *hsDB, cached bool, bad int, err error) {
	var path string
	if cacheDir != "" {
		path = filepath.Join(cacheDir, dbCacheKey(pats)+".hsdb")
		if data, rerr := os.ReadFile(path); rerr == nil {
			if db, derr := loadHSDB(data, pats); derr == nil {
				return db, true, -1, nil
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
		_ = writeFileAtomic(path, data)
	}
	return db, false, -1, nil
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
