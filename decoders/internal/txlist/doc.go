// Package txlist holds what the app-layer parsers share about their transaction lists:
// handing finished transactions back to the parser's pool without allocating.
package txlist
