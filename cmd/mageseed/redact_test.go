package main

import (
	"bytes"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

func TestRedactor(t *testing.T) {
	tests := []struct {
		name    string
		secrets []string
		writes  []string
		want    string
	}{
		{"no secrets", nil, []string{"hello\n"}, "hello\n"},
		{"masked", []string{"Password1"}, []string{"pw is Password1\n"}, "pw is ***\n"},
		{"split across writes", []string{"Password1"}, []string{"pw is Pass", "word1 ok\n"}, "pw is *** ok\n"},
		{"split in three", []string{"Password1"}, []string{"pw is P", "assw", "ord1 ok\n"}, "pw is *** ok\n"},
		{"prefix that is not the secret", []string{"Password1"}, []string{"a Pass", "port\n"}, "a Passport\n"},
		{"longest first", []string{"abc", "abcdef"}, []string{"x abcdef y abc\n"}, "x *** y ***\n"},
		{"longer secret split after a shorter one", []string{"abcdef", "abcdefgh"}, []string{"x abcdef", "gh y\n"}, "x *** y\n"},
		{"partial line flushed", []string{"tok"}, []string{"the tok"}, "the ***"},
		{"empty secret ignored", []string{"", "  "}, []string{"a b\n"}, "a b\n"},
		{"short secret only as a word", []string{"b"}, []string{"list websites: b\n"}, "list websites: ***\n"},
		{"short secret at a write's end", []string{"abc1"}, []string{"pw abc1", "x abc1", " y\n"}, "pw abc1x *** y\n"},
		{"short secret quoted", []string{"abc1"}, []string{`password "abc1" refused` + "\n"}, `password "***" refused` + "\n"},
		{"carriage return frames", []string{"Password1"}, []string{"\rapplying 1/2", "\rapplying 2/2 Password1", "\r\n"}, "\rapplying 1/2\rapplying 2/2 ***\r\n"},
		{"json escaped", []string{`Pa"ss<w>&rd`}, []string{`{"message":"bad password Pa\"ss\u003cw\u003e\u0026rd"}` + "\n"}, `{"message":"bad password ***"}` + "\n"},
		{"json escaped, upper-case hex", []string{`Pa"ss<w>&rd`}, []string{`Pa\"ss\u003Cw\u003E\u0026rd` + "\n"}, "***\n"},
		{"json escaped without html escaping", []string{`Pa"ss<w>&rd`}, []string{`x Pa\"ss<w>&rd y` + "\n"}, "x *** y\n"},
		{"php json_encode", []string{"pa/ss-wörd"}, []string{`"pa\/ss-w\u00f6rd"` + "\n"}, `"***"` + "\n"},
		{"json escaped twice", []string{`Pa"ss<w>&rd`}, []string{`"error":"echo: \"Pa\\\"ss\\u003cw\\u003e\\u0026rd\""` + "\n"}, `"error":"echo: \"***\""` + "\n"},
		{"go quoted", []string{"Pa\"ss\\wd"}, []string{`refused "Pa\"ss\\wd"` + "\n"}, `refused "***"` + "\n"},
		{"query escaped", []string{"p@ss w&rd=1"}, []string{"GET /x?password=" + url.QueryEscape("p@ss w&rd=1") + "\n"}, "GET /x?password=***\n"},
		{"path escaped", []string{"p@ss w/rd"}, []string{"GET /x/" + url.PathEscape("p@ss w/rd") + "\n"}, "GET /x/***\n"},
		{"percent encoded, lower-case hex", []string{"p@ss w&rd"}, []string{"x=p%40ss%20w%26rd\n"}, "x=***\n"},
		{"html escaped", []string{`a<b>"c'&d`}, []string{"<p>a&lt;b&gt;&#34;c&#39;&amp;d</p>\n", "<p>a&lt;b&gt;&quot;c&#039;&amp;d</p>\n"}, "<p>***</p>\n<p>***</p>\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			r := newRedactor(&out)
			r.Add(tt.secrets...)
			for _, w := range tt.writes {
				if _, err := r.Write([]byte(w)); err != nil {
					t.Fatal(err)
				}
			}
			if err := r.Flush(); err != nil {
				t.Fatal(err)
			}
			if got := out.String(); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestRedactorPassesFramesAtOnce: a progress frame, which ends without a
// newline, reaches the writer in the same Write call; only an end that
// could be the start of a secret waits for the next write.
func TestRedactorPassesFramesAtOnce(t *testing.T) {
	var out bytes.Buffer
	r := newRedactor(&out)
	r.Add("Password1", "t0ken-s3cret")
	steps := []struct{ write, want string }{
		{"\rapplying [==    ] 2/6 4/s", "\rapplying [==    ] 2/6 4/s"},
		{"\rapplying [====  ] 4/6 4/s", "\rapplying [====  ] 4/6 4/s"},
		{"\rpw Pass", "\rpw "},     // "Pass" may be the start of Password1
		{"word1\r", "***\r"},       // it was
		{"tail t0k", "tail "},      // "t0k" may be the start of the token
		{"x\n", "t0kx\n"},          // it was not
		{"\r\x1b[2K", "\r\x1b[2K"}, // control sequences pass untouched
		{"\rdone 6/6\n", "\rdone 6/6\n"},
	}
	got := 0
	for _, s := range steps {
		if _, err := r.Write([]byte(s.write)); err != nil {
			t.Fatal(err)
		}
		all := out.String()
		if s.want == "" {
			continue
		}
		if !strings.HasSuffix(all, s.want) || len(all) < got {
			t.Fatalf("after writing %q the writer holds %q, want it to end with %q", s.write, all, s.want)
		}
		got = len(all)
	}
	if held := len(r.pending); held != 0 {
		t.Errorf("%d bytes held after a newline", held)
	}
}

// TestRedactorManySecrets: the cost of a byte does not grow with the
// number of secrets (100,000 customers may each declare a password).
func TestRedactorManySecrets(t *testing.T) {
	var out bytes.Buffer
	r := newRedactor(&out)
	var secrets []string
	for i := 0; i < 100000; i++ {
		secrets = append(secrets, "Pw-"+strings.Repeat("x", i%7)+"-"+strconv.Itoa(i))
	}
	r.Add(secrets[:50000]...)
	for _, s := range secrets[50000:] { // one at a time, as tokens are minted
		r.Add(s)
	}
	// 99999 % 7 == 4 and 1 % 7 == 1.
	r.Write([]byte("customer c99999 password Pw-xxxx-99999 and Pw-x-1 and Pw-xx-1 and Pw-none\n"))
	r.Flush()
	if got, want := out.String(), "customer c99999 password *** and *** and Pw-xx-1 and Pw-none\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	// A write that ends with the start of the last secret added holds it.
	out.Reset()
	r.Write([]byte("end Pw-xxxx-99"))
	if got := out.String(); got != "end " {
		t.Errorf("got %q, want %q (the rest held)", got, "end ")
	}
}
