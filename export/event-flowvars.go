package export

// FlowVars are a flow's detection variables at the time of an event, as Suricata writes them
// on every event of the flow (alerts, app-layer events, fileinfo, anomalies, the flow record):
// set flowbits in metadata.flowbits, set flowints in metadata.flowints, and the flowbits named
// traffic/id/NAME and traffic/label/NAME in the top-level traffic object instead. The strings
// belong to the rule engine; the slices to the sensor, reused from event to event.
type FlowVars struct {
	Flowbits     []string
	TrafficID    []string
	TrafficLabel []string
	IntNames     []string
	IntValues    []uint32 // IntValues[i] is IntNames[i]'s
}

// Reset empties v, keeping its slices.
func (v *FlowVars) Reset() {
	v.Flowbits, v.TrafficID, v.TrafficLabel = v.Flowbits[:0], v.TrafficID[:0], v.TrafficLabel[:0]
	v.IntNames, v.IntValues = v.IntNames[:0], v.IntValues[:0]
}

// Empty reports whether v has nothing to write.
func (v *FlowVars) Empty() bool {
	return v == nil || len(v.Flowbits)+len(v.TrafficID)+len(v.TrafficLabel)+len(v.IntNames) == 0
}
