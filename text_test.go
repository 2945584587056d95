package mageseed_test

import (
	"testing"

	"github.com/mageseed/mageseed"
)

func TestEscapeTerminal(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Jane Doe", "Jane Doe"},
		{"Zoë Łukasz 山田", "Zoë Łukasz 山田"},
		{"", ""},
		{`C:\path`, `C:\path`},
		{"\x1b[31mred\x1b[0m", `\x1b[31mred\x1b[0m`},
		{"\x1b]0;title\x07", `\x1b]0;title\x07`},
		{"\x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\", `\x1b]8;;https://evil.example\x1b\link\x1b]8;;\x1b\`},
		{"ok\rmageseed: error: forged", `ok\rmageseed: error: forged`},
		{"abc\b\b\bxyz", `abc\b\b\bxyz`},
		{"line\nmageseed: hint: forged", `line\nmageseed: hint: forged`},
		{"a\tb\x00c\x7fd", `a\tb\x00c\x7fd`},
		{"c1 \u009b31m csi", `c1 \x9b31m csi`},
		{"c1 \u009d osc", `c1 \x9d osc`},
		{"evil\u202egnp.exe", `evil\u202egnp.exe`},
		{"\u2066isolate\u2069 \u200f \u061c", `\u2066isolate\u2069 \u200f \u061c`},
		{"para\u2029sep\u2028", `para\u2029sep\u2028`},
		{"bad \xff\xfe utf8", `bad \xff\xfe utf8`},
	}
	for _, tt := range tests {
		if got := mageseed.EscapeTerminal(tt.in); got != tt.want {
			t.Errorf("EscapeTerminal(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestEscapeTerminalLeavesNoControl(t *testing.T) {
	var all []rune
	for r := rune(0); r < 0x3000; r++ {
		all = append(all, r)
	}
	got := mageseed.EscapeTerminal(string(all) + "\xc3")
	for _, r := range got {
		if r < 0x20 || (r >= 0x7f && r <= 0x9f) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == 0x2028 || r == 0x2029 || r == 0xfffd {
			t.Fatalf("escaped text still holds %U", r)
		}
	}
}
