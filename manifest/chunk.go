package manifest

import (
	"bytes"
	"regexp"

	"gopkg.in/yaml.v3"
)

// Large manifests are mostly one long customers mapping. Parsing it whole
// builds a yaml.Node for every value of every customer at once (about 110
// bytes a value), so Load cuts the customers block of a large, plain,
// block-style file into one piece per customer and parses the pieces one at
// a time. A file that uses anything the cut could break (anchors and
// aliases, several documents, directives, a flow-style customers mapping,
// irregular indentation) is parsed whole; the results are the same.

// chunkMin is the input size from which Load cuts the customers block.
var chunkMin = 1 << 20

// chunk is one customer's lines.
type chunk struct {
	line int // 1-based line of its first line in the file
	data []byte
}

var (
	customersLineRe = regexp.MustCompile(`^customers:[ \t]*(#.*)?$`)
)

// mayHaveAnchors reports whether data might hold an anchor, an alias, a tag
// or a merge key: one of & * ! after a separator and before a non-space, or
// <<. False positives only cost the cut.
func mayHaveAnchors(data []byte) bool {
	if bytes.Contains(data, []byte("<<")) {
		return true
	}
	for i, c := range data {
		if c != '&' && c != '*' && c != '!' {
			continue
		}
		if i > 0 {
			switch data[i-1] {
			case ' ', '\t', '\n', '\r', '[', '{', ',', ':':
			default:
				continue
			}
		}
		if i+1 < len(data) {
			switch data[i+1] {
			case ' ', '\t', '\n', '\r':
				continue
			}
			return true
		}
	}
	return false
}

// splitCustomers cuts data's customers block into chunks. It returns data
// with the block's lines blanked (so that positions stay), the chunks, and
// whether the cut was possible.
func splitCustomers(data []byte) ([]byte, []chunk, bool) {
	if mayHaveAnchors(data) {
		return nil, nil, false
	}
	// starts holds the offset of every line, and len(data) last.
	starts := make([]int, 0, len(data)/32)
	for i := 0; i < len(data); {
		starts = append(starts, i)
		n := bytes.IndexByte(data[i:], '\n')
		if n < 0 {
			break
		}
		i += n + 1
	}
	nlines := len(starts)
	starts = append(starts, len(data))
	line := func(i int) []byte { return bytes.TrimRight(data[starts[i]:starts[i+1]], "\r\n") }
	start := -1
	for i := range nlines {
		t := line(i)
		if bytes.HasPrefix(t, []byte("---")) || bytes.HasPrefix(t, []byte("...")) || bytes.HasPrefix(t, []byte("%")) {
			return nil, nil, false
		}
		if customersLineRe.Match(t) {
			if start >= 0 {
				return nil, nil, false // a duplicate key: the whole parse reports it
			}
			start = i
		}
	}
	if start < 0 {
		return nil, nil, false
	}
	end := nlines
	ind := -1
	var chunks []chunk
	cur := -1
	for i := start + 1; i < nlines; i++ {
		t := line(i)
		content := bytes.TrimLeft(t, " ")
		if len(content) == 0 || content[0] == '#' {
			continue
		}
		n := len(t) - len(content)
		if n == 0 {
			end = i
			break
		}
		if ind < 0 {
			ind = n
		}
		switch {
		case n < ind:
			return nil, nil, false
		case n == ind:
			switch content[0] {
			case '-', '?', '{', '[', '\t':
				return nil, nil, false
			}
			if cur >= 0 {
				chunks[len(chunks)-1].data = data[starts[cur]:starts[i]]
			}
			cur = i
			chunks = append(chunks, chunk{line: i + 1})
		}
	}
	if cur >= 0 {
		chunks[len(chunks)-1].data = data[starts[cur]:starts[end]]
	}
	if len(chunks) == 0 {
		return nil, nil, false
	}
	head := make([]byte, 0, starts[start+1]+(end-start)+len(data)-starts[end])
	head = append(head, data[:starts[start+1]]...)
	for range end - start - 1 {
		head = append(head, '\n')
	}
	head = append(head, data[starts[end]:]...)
	return head, chunks, true
}

// chunkCustomers parses and loads the chunks of a customers block. One
// goroutine parses ahead while the caller's loads what is parsed, in order.
func (ld *loader) chunkCustomers(ds *docState, chunks []chunk) {
	type parsed struct {
		doc  yaml.Node
		err  error
		line int
		data []byte
	}
	out := make(chan *parsed, 64)
	done := make(chan struct{})
	defer close(done)
	go func() {
		defer close(out)
		for _, ch := range chunks {
			p := &parsed{line: ch.line, data: ch.data}
			p.err = yaml.Unmarshal(ch.data, &p.doc)
			select {
			case out <- p:
			case <-done:
				return
			}
		}
	}()
	for p := range out {
		if p.err != nil {
			e := yamlErrorAt(ds.file, p.data, p.err, p.line-1)
			if lineStartsWithTab(p.data, e.Line-(p.line-1)) {
				e.Msg += ": indent with spaces, not tabs"
			}
			ld.errs = append(ld.errs, e)
			continue
		}
		doc := &p.doc
		if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
			continue
		}
		shiftLines(doc, p.line-1)
		m := doc.Content[0]
		for i := 0; i+1 < len(m.Content); i += 2 {
			ld.customer(ds, m.Content[i], m.Content[i+1])
		}
	}
}

// shiftLines moves every node of a tree down by off lines.
func shiftLines(n *yaml.Node, off int) {
	n.Line += off
	for _, c := range n.Content {
		shiftLines(c, off)
	}
}
