// Command gen writes directory.tsv, the data file of package directory.
//
// Its input is the Go form the directory was first written in: a file that
// declares
//
//	var directory = []Country{
//		{ID: "AD", ISO3: "AND", Name: "Andorra"},
//		// Regions 512-523: AddDataForAlbania. Inferred from patch order.
//		{ID: "AL", ISO3: "ALB", Name: "Albania", StateRequired: true, Regions: []DirectoryRegion{
//			{512, "AL-01", "Berat"}, ...
//		}},
//	}
//
// as directory_data.go at the repository root did until the directory moved
// into its own package (git show 08176c2:directory_data.go). The doc comment
// of the variable becomes the file's header and the comment above a country
// stays above its line, so the file keeps the provenance of every id:
//
//	git show 08176c2:directory_data.go | go run ./internal/gen > directory.tsv
//
// reproduces directory.tsv byte for byte. From then on directory.tsv is the
// source of truth: edit it, and the tests of package directory check it.
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
)

func main() {
	src, err := io.ReadAll(os.Stdin)
	if err != nil {
		fmt.Fprintf(os.Stderr, "gen: read stdin: %v\n", err)
		os.Exit(1)
	}
	w := bufio.NewWriter(os.Stdout)
	if err := convert(w, "stdin", src); err != nil {
		fmt.Fprintf(os.Stderr, "gen: %v\n", err)
		os.Exit(1)
	}
	if err := w.Flush(); err != nil {
		fmt.Fprintf(os.Stderr, "gen: write stdout: %v\n", err)
		os.Exit(1)
	}
}
