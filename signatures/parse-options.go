package signatures

import (
	"fmt"
	"strings"
)

// splitRule separates a rule's header from its option list and splits the options, in order,
// on unescaped semicolons (Suricata's own rule: a ';' inside a value is written '\;').
func splitRule(text string) (header string, opts []Option, err error) {
	open := strings.IndexByte(text, '(')
	if open < 0 {
		return "", nil, fmt.Errorf("no option list: missing '('")
	}
	end := strings.LastIndexByte(text, ')')
	if end < open {
		return "", nil, fmt.Errorf("option list not closed with ')'")
	}
	if rest := strings.TrimSpace(text[end+1:]); rest != "" {
		return "", nil, fmt.Errorf("text after the option list: %q", rest)
	}
	header = strings.TrimSpace(text[:open])
	body := text[open+1 : end]
	for i := 0; i < len(body); {
		j := i
		for j < len(body) && body[j] != ';' {
			if body[j] == '\\' {
				j++
			}
			j++
		}
		if j > len(body) {
			j = len(body)
		}
		item := strings.TrimSpace(body[i:j])
		if j >= len(body) && item != "" {
			return "", nil, fmt.Errorf("option %q not terminated with ';'", item)
		}
		i = j + 1
		if item == "" {
			continue
		}
		name, value := item, ""
		if c := strings.IndexByte(item, ':'); c >= 0 {
			name, value = strings.TrimSpace(item[:c]), strings.TrimSpace(item[c+1:])
		}
		opts = append(opts, Option{Name: strings.ToLower(name), Value: value})
	}
	return header, opts, nil
}

// unquote strips the double quotes around a keyword value, if any.
func unquote(v string) (string, bool) {
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		return v[1 : len(v)-1], true
	}
	return v, false
}

// sidOf reads the sid from a rule's options, for error reports of rules that fail to parse.
func sidOf(opts []Option) uint32 {
	for _, o := range opts {
		if o.Name == "sid" {
			var v uint32
			if _, err := fmt.Sscanf(o.Value, "%d", &v); err == nil {
				return v
			}
		}
	}
	return 0
}
