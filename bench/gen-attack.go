package bench

// AttackRule is an injected transaction that a named ET Open rule (2024 snapshot) alerts on. The
// rules are plain ones, a single http.user_agent, http.uri or dns.query content with no
// threshold or flowbits, so one transaction gives one alert from client to server.
type AttackRule struct {
	SID     uint32 `json:"sid"`
	Msg     string `json:"msg"`
	File    string `json:"file"`
	Content string `json:"content"` // the rule's content, which the transaction carries
	kind    Kind
	uri, ua string
	qname   string
}

const browserUA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0"

// attacks are injected in turn. HTTP attacks come from outside ($EXTERNAL_NET: 203.0.113.0/24)
// to web servers inside ($HOME_NET, $HTTP_SERVERS: 10.200.0.0/24); DNS ones are lookups by
// inside clients.
var attacks = []AttackRule{
	{SID: 2009358, Msg: "ET SCAN Nmap Scripting Engine User-Agent Detected (Nmap Scripting Engine)",
		File: "emerging-scan.rules", Content: "Mozilla/5.0 (compatible; Nmap Scripting Engine",
		kind: KindHTTP, uri: "/", ua: "Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)"},
	{SID: 2017616, Msg: "ET SCAN NETWORK Incoming Masscan detected",
		File: "emerging-scan.rules", Content: "masscan/",
		kind: KindHTTP, uri: "/", ua: "masscan/1.3 (https://github.com/robertdavidgraham/masscan)"},
	{SID: 2049400, Msg: "ET WEB_SERVER /etc/passwd Detected in URI",
		File: "emerging-web_server.rules", Content: "/etc/passwd",
		kind: KindHTTP, uri: "/cgi-bin/download.cgi?file=../../../../etc/passwd", ua: browserUA},
	{SID: 2031502, Msg: "ET INFO Request to Hidden Environment File - Inbound",
		File: "emerging-info.rules", Content: "/.env",
		kind: KindHTTP, uri: "/.env", ua: "python-httpx/0.27.0"},
	{SID: 2013016, Msg: "ET DNS DNS Query for Illegal Drug Sales Site (SilkRoad)",
		File: "emerging-dns.rules", Content: "ianxz6zefk72ulzz.onion",
		kind: KindDNS, qname: "ianxz6zefk72ulzz.onion"},
	{SID: 2018438, Msg: "ET DNS DNS Query for vpnoverdns - indicates DNS tunnelling",
		File: "emerging-dns.rules", Content: "tun.vpnoverdns.com",
		kind: KindDNS, qname: "tun.vpnoverdns.com"},
}

// Attacks lists the attack rules the generator injects, in the order it injects them.
func Attacks() []AttackRule { return append([]AttackRule(nil), attacks...) }

func (g *generator) startAttack(c *conv, i int) {
	a := &attacks[i]
	c.attack = i
	c.kind = a.kind
	n := int(g.stats.Attacks / uint64(len(attacks)))
	switch a.kind {
	case KindHTTP:
		c.tcp = true
		c.addr[sideClient] = [4]byte{203, 0, 113, byte(10 + n%200)}
		c.port[sideClient] = uint16(40000 + g.stats.Attacks%20000)
		c.addr[sideServer] = [4]byte{10, 200, 0, byte(10 + n%20)}
		c.port[sideServer] = portHTTP
		c.txs = 1
	case KindDNS:
		g.client(c)
		c.addr[sideServer] = [4]byte{10, 0, 0, 53}
		c.port[sideServer] = portDNS
		c.aux = append(c.aux[:0], a.qname...)
		c.rem = 1
	}
	g.alerts[alertKey{sid: a.SID, src: c.addr[sideClient], dst: c.addr[sideServer]}]++
}

// ExpectedAlert is one line of the ground truth: alerts of rule SID from Src to Dst.
type ExpectedAlert struct {
	SID   uint32 `json:"sid"`
	Src   string `json:"src"`
	Dst   string `json:"dst"`
	Count uint64 `json:"count"`
}

// Expected is FILE.expected.json: how the file was made, what it holds, and the alerts the
// named ET Open rules must raise on it (other rules of a full rule set may alert too).
type Expected struct {
	Generator string          `json:"generator"`
	Seed      uint64          `json:"seed"`
	Size      int64           `json:"size"`
	Clients   int             `json:"clients"`
	Servers   int             `json:"servers"`
	Flows     int             `json:"concurrency"`
	Mix       string          `json:"mix"`
	Every     int             `json:"attack_every"`
	RuleSet   string          `json:"rule_set"`
	Rules     []AttackRule    `json:"rules"`
	Stats     *GenStats       `json:"stats"`
	Alerts    []ExpectedAlert `json:"alerts"`
}

func newExpected(o GenOptions, st *GenStats) *Expected {
	e := &Expected{
		Generator: "nightjar bench gen", Seed: o.Seed, Size: o.Size, Clients: o.Clients,
		Servers: o.Servers, Flows: o.Concurrency, Mix: o.Mix.String(), Every: o.AttackEvery,
		RuleSet: "et-open-2024", Stats: st, Alerts: st.Alerts,
	}
	// Only rules whose transactions were injected are listed.
	for i, a := range attacks {
		if uint64(i) < st.Attacks {
			e.Rules = append(e.Rules, a)
		}
	}
	return e
}
