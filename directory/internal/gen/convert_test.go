package main

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestConvert(t *testing.T) {
	src := `package mageseed

// The directory.
//
// Second paragraph.
var directory = []Country{
	{ID: "AD", ISO3: "AND", Name: "Andorra"},
	// Regions 104-105: InitializeDirectoryData; a name as renamed by
	// UpdateRegionNamesForSwitzerland.
	{ID: "CH", ISO3: "CHE", Name: "Switzerland", StateRequired: true, Regions: []DirectoryRegion{
		{104, "AG", "Aargau"}, {105, "A Coru\u0441a", "Genève"},
	}},
	{ID: "GB", ISO3: "GBR", Name: "United Kingdom", PostcodeOptional: true},
}
`
	want := `# The directory.
#
# Second paragraph.
#
# Format: country<TAB>id<TAB>iso3<TAB>name<TAB>flags (- or stateRequired,postcodeOptional);
# region<TAB>id<TAB>code<TAB>name, belonging to the country above it, in install order.
country	AD	AND	Andorra	-
# Regions 104-105: InitializeDirectoryData; a name as renamed by
# UpdateRegionNamesForSwitzerland.
country	CH	CHE	Switzerland	stateRequired
region	104	AG	Aargau
region	105	A Coruсa	Genève
country	GB	GBR	United Kingdom	postcodeOptional
`
	var b strings.Builder
	if err := convert(&b, "in.go", []byte(src)); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("convert mismatch (-want +got):\n%s", diff)
	}
}

func TestConvertErrors(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"no variable", "package p\nvar other = []Country{}\n", "in.go: no var directory"},
		{"unknown field", "package p\nvar directory = []Country{{ID: \"AD\", Flag: true}}\n", "in.go:2:38: unknown country field Flag"},
		{"tab in a name", "package p\nvar directory = []Country{{Name: \"a\\tb\"}}\n", "holds a tab or a newline"},
		{"short region", "package p\nvar directory = []Country{{Regions: []DirectoryRegion{{1, \"X\"}}}}\n", "a region is {id, code, name}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := convert(new(strings.Builder), "in.go", []byte(tt.src))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("convert: %v, want an error containing %q", err, tt.want)
			}
		})
	}
}
