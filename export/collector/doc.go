// Package collector is the receiving end of the sensors' Arrow Flight export: a Flight server
// that takes DoPut streams from many sensors, de-duplicates batches by (sensor, stream, sequence),
// writes them into a Hive-partitioned Parquet lake
// (<lake>/event_type=E/date=YYYY-MM-DD/hour=HH/sensor=S/*.parquet), compacts small files, and
// serves recent and live batches through DoGet for `nightjar tail`.
//
// Durability contract: a batch is acknowledged only after its Parquet files are in place and its
// key is in the collector's commit log (<lake>/_nightjar/commits/<id>.log); the commit logs of all
// collectors are the de-duplication state a restarted collector reloads. Batch files have names
// derived from their key, so a resend of a batch whose commit was lost rewrites the same files
// instead of adding new ones. Compaction announces itself with an intent file, so a collector
// killed mid-compaction finishes or undoes it when it starts again.
package collector
