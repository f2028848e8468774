package export

import "strconv"

// appendFlowVars writes the traffic object and the metadata object of v, each only when it
// has something, as Suricata's EVE header does after pkt_src: `"traffic":{"id":[…],
// "label":[…]},"metadata":{"flowbits":[…],"flowints":{…}},`.
func appendFlowVars(dst []byte, v *FlowVars) []byte {
	if v.Empty() {
		return dst
	}
	return appendFlowVarsMetadata(appendTraffic(dst, v), v)
}

// appendFlowVarsMetadata writes `"metadata":{"flowbits":[…],"flowints":{…}},` when v has
// either.
func appendFlowVarsMetadata(dst []byte, v *FlowVars) []byte {
	if v.Empty() || len(v.Flowbits)+len(v.IntNames) == 0 {
		return dst
	}
	dst = appendKey(dst, "metadata")
	dst = append(dst, '{')
	dst = appendFlowbitsField(dst, v)
	dst = appendFlowintsField(dst, v, "", 0)
	return closeObject(dst)
}

// appendTraffic writes `"traffic":{"id":[…],"label":[…]},` when v has traffic flowbits.
func appendTraffic(dst []byte, v *FlowVars) []byte {
	if v.Empty() || len(v.TrafficID)+len(v.TrafficLabel) == 0 {
		return dst
	}
	dst = appendKey(dst, "traffic")
	dst = append(dst, '{')
	dst = appendStringList(dst, "id", v.TrafficID)
	dst = appendStringList(dst, "label", v.TrafficLabel)
	return closeObject(dst)
}

// appendFlowbitsField writes `"flowbits":[…],` when v has flowbits.
func appendFlowbitsField(dst []byte, v *FlowVars) []byte {
	if v.Empty() {
		return dst
	}
	return appendStringList(dst, "flowbits", v.Flowbits)
}

// appendFlowintsField writes `"flowints":{"name":value,…},` with v's flowints and, when extra
// is not empty, one more (the flow record's missed_bytes); nothing when there are none.
func appendFlowintsField(dst []byte, v *FlowVars, extra string, extraVal uint64) []byte {
	n := 0
	if !v.Empty() {
		n = len(v.IntNames)
	}
	if n == 0 && extra == "" {
		return dst
	}
	dst = appendKey(dst, "flowints")
	dst = append(dst, '{')
	for i := range n {
		dst = appendJSONString(dst, v.IntNames[i])
		dst = append(dst, ':')
		dst = strconv.AppendUint(dst, uint64(v.IntValues[i]), 10)
		dst = append(dst, ',')
	}
	if extra != "" {
		dst = appendUintField(dst, extra, extraVal)
	}
	return closeObject(dst)
}

// appendStringList writes `"key":["a","b"],`, nothing for an empty list.
func appendStringList(dst []byte, key string, l []string) []byte {
	if len(l) == 0 {
		return dst
	}
	dst = appendKey(dst, key)
	dst = append(dst, '[')
	for i, s := range l {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSONString(dst, s)
	}
	return append(dst, ']', ',')
}
