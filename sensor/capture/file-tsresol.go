package capture

import (
	"fmt"
	"math/bits"
)

// tsConv turns a pcapng interface's 64-bit timestamp count into Unix nanoseconds. The
// factors are worked out once per interface description so a frame costs one multiply or
// divide (binary resolutions: one 64x64 multiply and a shift).
type tsConv struct {
	mul    uint64 // decimal resolution at or coarser than 1 ns: ns per unit
	div    uint64 // decimal resolution finer than 1 ns: units per ns
	shift  uint8  // binary resolution 2^-shift seconds, when binary is set
	binary bool
	offset int64 // if_tsoffset, in nanoseconds
}

// pcapng's default when an interface has no if_tsresol option: microseconds.
var defaultTSConv = tsConv{mul: 1000}

// newTSConv reads an if_tsresol byte: high bit clear means 10^-v seconds, set means 2^-v.
func newTSConv(resol uint8, offsetSec int64) (tsConv, error) {
	c := tsConv{offset: offsetSec * 1e9}
	v := resol & 0x7f
	if resol&0x80 != 0 {
		if v > 63 {
			return c, fmt.Errorf("if_tsresol 2^-%d is beyond a 64-bit timestamp", v)
		}
		c.binary, c.shift = true, v
		return c, nil
	}
	if v > 19 {
		return c, fmt.Errorf("if_tsresol 10^-%d is beyond a 64-bit timestamp", v)
	}
	if v <= 9 {
		c.mul = pow10(9 - v)
	} else {
		c.div = pow10(v - 9)
	}
	return c, nil
}

func (c *tsConv) nanos(ts uint64) int64 {
	var ns uint64
	switch {
	case c.binary:
		sec, frac := ts>>c.shift, ts&(1<<c.shift-1)
		// frac/2^shift of a second in ns: the product needs up to 94 bits, so take it whole.
		// Go shifts by 64 give 0, so shift 0 (whole seconds) needs no special case.
		hi, lo := bits.Mul64(frac, 1e9)
		ns = sec*1e9 + (lo>>c.shift | hi<<(64-c.shift))
	case c.div != 0:
		ns = ts / c.div
	default:
		ns = ts * c.mul
	}
	return int64(ns) + c.offset
}

func pow10(n uint8) uint64 {
	p := uint64(1)
	for ; n > 0; n-- {
		p *= 10
	}
	return p
}
