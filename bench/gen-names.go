package bench

// Vocabulary for realistic-looking names and headers. Top-level domains avoid those ET Open
// flags as suspicious (.to, .cc, .su, .top, .xyz …) so benign traffic triggers no alerts of
// its own through the rules the attacks exercise.

var nameWords = []string{
	"amber", "birch", "cobalt", "delta", "ember", "fable", "granite", "harbor", "indigo", "juniper",
	"kestrel", "lumen", "maple", "nimbus", "orchid", "pebble", "quartz", "raven", "sable", "tundra",
	"umber", "vertex", "willow", "yonder", "zephyr", "atlas", "beacon", "cinder", "dune", "echo",
	"falcon", "glade", "helix", "iris", "jasper", "koala", "lotus", "meadow", "nova", "onyx",
}

var nameSubs = []string{"www", "api", "cdn", "static", "login", "img", "assets", "app", "mail", "shop"}

var nameTLDs = []string{"com", "net", "org", "io", "de", "fr", "nl", "co.uk", "com", "com"}

var userAgents = []string{
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.80",
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Safari/605.1.15",
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0",
	"Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
	"Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1",
	"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36",
	"Microsoft-CryptoAPI/10.0",
	"Windows-Update-Agent/10.0.10011.16384 Client-Protocol/2.50",
}

var httpServers = []string{"nginx/1.24.0", "Apache/2.4.58 (Ubuntu)", "cloudflare", "Microsoft-IIS/10.0", "envoy", "AmazonS3"}

var acceptLangs = []string{"en-US,en;q=0.9", "en-GB,en;q=0.8", "de-DE,de;q=0.9,en;q=0.7", "fr-FR,fr;q=0.9", "nl-NL,nl;q=0.9,en;q=0.8"}

// pathKinds are the sorts of resource a request asks for: its path and the reply's type.
type pathKind struct {
	prefix, suffix string
	numbered       bool
	ctype          string
	binary         bool
}

var pathKinds = []pathKind{
	{"/", "", false, "text/html; charset=utf-8", false},
	{"/index.html", "", false, "text/html; charset=utf-8", false},
	{"/api/v1/items/", "", true, "application/json", false},
	{"/static/js/app.", ".js", true, "application/javascript", false},
	{"/static/css/site.", ".css", true, "text/css", false},
	{"/images/photo-", ".jpg", true, "image/jpeg", true},
	{"/media/clip-", ".mp4", true, "video/mp4", true},
	{"/search?q=", "&page=1", true, "text/html; charset=utf-8", false},
	{"/favicon.ico", "", false, "image/x-icon", true},
	{"/downloads/pkg-", ".tar.gz", true, "application/gzip", true},
}

var htmlWords = []string{
	"<div", "class=\"row\">", "<p>", "</p>", "<a", "href=\"/about\">", "</a>", "</div>", "the", "and",
	"network", "sensor", "report", "weekly", "update", "customer", "account", "service", "price",
	"order", "product", "release", "notes", "<span>", "</span>", "<li>", "</li>", "data", "{\"id\":",
	"\"name\":", "\"value\":", "},", "function", "return", "var", "const", "=", ";", "\n",
}

// splitmix64 is a fixed hash, so names depend only on the seed and the server's index.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// appendServerName appends the DNS name of server j: the same name in DNS, SNI and Host.
func (g *generator) appendServerName(b []byte, j int) []byte {
	h := splitmix64(uint64(j) ^ g.opt.Seed<<20)
	b = append(b, nameSubs[h%uint64(len(nameSubs))]...)
	b = append(b, '.')
	b = append(b, nameWords[h>>8%uint64(len(nameWords))]...)
	b = append(b, nameWords[h>>20%uint64(len(nameWords))]...)
	b = append(b, '.')
	return append(b, nameTLDs[h>>32%uint64(len(nameTLDs))]...)
}

const fillSize = 1 << 20

// makeFillers builds the two 1 MiB sources of body bytes: HTML/JSON-like text and random
// binary (what compressed or encrypted payload looks like).
func (g *generator) makeFillers() {
	g.binFill = make([]byte, fillSize)
	for i := 0; i < fillSize; i += 8 {
		v := g.rng.Uint64()
		for k := 0; k < 8; k++ {
			g.binFill[i+k] = byte(v >> (8 * k))
		}
	}
	t := make([]byte, 0, fillSize+64)
	for len(t) < fillSize {
		t = append(t, htmlWords[g.rng.IntN(len(htmlWords))]...)
		t = append(t, ' ')
	}
	g.textFill = t[:fillSize]
}
