package txlist

// Release moves the transactions of txs that done accepts to pool and keeps the others, in
// order, at the front of txs; it returns both slices. The tail txs no longer uses is cleared,
// so a pooled transaction is referenced once. done is called once per transaction, in order.
func Release[T any](txs, pool []T, done func(T) bool) ([]T, []T) {
	n := 0
	for _, t := range txs {
		if done(t) {
			pool = append(pool, t)
			continue
		}
		txs[n] = t
		n++
	}
	clear(txs[n:])
	return txs[:n], pool
}
