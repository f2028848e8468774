package sensor

import (
	"path/filepath"
	"testing"
)

// TestEncryptionHandling: once a TLS session carries application data its payload is no longer
// inspected (Suricata's encryption-handling default): a content rule on the record headers of
// the ciphertext alerts less than with encryption-handling full, a tls.sni rule the same; with
// bypass the flows are bypassed and counted.
func TestEncryptionHandling(t *testing.T) {
	pcap := filepath.Join(sharedDir(t), "pcaps", "FoxIO-LLC+ja4", "pcap", "latest.pcapng")
	// Every TLS 1.2/1.3 application data record starts with these bytes.
	rules := `alert tcp any any -> any any (msg:"application data record"; content:"|17 03 03|"; sid:1;)
alert tls any any -> any any (msg:"sni"; tls.sni; content:"."; sid:2;)
`
	def := alertSIDs(t, pcap, rules)
	full := alertSIDs(t, pcap, rules, "app-layer.protocols.tls.encryption-handling=full")
	// The data that shows a session is encrypted is still inspected (in Suricata too: the flag
	// applies from the next packet on); what follows is not, unless the mode is full.
	if full[1] <= def[1] || def[2] == 0 || full[2] != def[2] {
		t.Errorf("record-header alerts: default %d, full %d (want fewer with default); sni alerts %d, %d (want equal, nonzero)",
			def[1], full[1], def[2], full[2])
	}
	t.Logf("record-header alerts: default %d, full %d", def[1], full[1])
	sum, _ := runRead(t, []string{pcap}, 1, "app-layer.protocols.tls.encryption-handling=bypass", "pcap-file.checksum-checks=no")
	if sum.Counter("bypass.encrypted") == 0 || sum.Counter("app_layer.flow.encrypted") == 0 {
		t.Errorf("bypass: bypass.encrypted %d, app_layer.flow.encrypted %d: want both counted",
			sum.Counter("bypass.encrypted"), sum.Counter("app_layer.flow.encrypted"))
	}
	if _, _, err := LoadConfig("", []string{"app-layer.protocols.ssh.encryption-handling=sometimes"}); err == nil {
		t.Error("an unknown encryption-handling value was accepted")
	}
}
