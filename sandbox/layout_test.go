package sandbox_test

import (
	"go/build"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

const sandboxPath = "github.com/mageseed/mageseed/sandbox"

// TestLayout checks the package layout: every package under sandbox/ other
// than webapi and internal/... is a Magento module package, whose
// documentation names the Magento module it follows; no module package
// imports another module package or the top package; the protocol layer
// and the database layer import no module package.
func TestLayout(t *testing.T) {
	imports := map[string][]string{} // package path under sandbox/ -> imports of its non-test files
	docs := map[string]string{}
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() || p == "." {
			return nil
		}
		if d.Name() == "testdata" {
			return filepath.SkipDir
		}
		pkg, err := build.ImportDir(p, 0)
		if _, none := err.(*build.NoGoError); none {
			return nil
		}
		if err != nil {
			return err
		}
		rel := filepath.ToSlash(p)
		imports[rel], docs[rel] = pkg.Imports, pkg.Doc
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	isModule := func(rel string) bool { return rel != "webapi" && !strings.HasPrefix(rel, "internal/") }
	var modules []string
	for rel := range imports {
		if isModule(rel) {
			modules = append(modules, rel)
		}
	}
	if len(modules) < 5 {
		t.Fatalf("found module packages %v, want at least customer, integration, directory, store, async", modules)
	}
	for rel, imps := range imports {
		if isModule(rel) && !strings.Contains(docs[rel], "Magento_") {
			t.Errorf("package sandbox/%s: its documentation names no Magento module (Magento_...): %q", rel, docs[rel])
		}
		for _, imp := range imps {
			if imp == sandboxPath {
				t.Errorf("package sandbox/%s imports the top package sandbox", rel)
				continue
			}
			sub, ok := strings.CutPrefix(imp, sandboxPath+"/")
			if !ok {
				continue
			}
			switch {
			case isModule(sub) && sub != rel:
				t.Errorf("package sandbox/%s imports module package sandbox/%s; declare a small interface and let sandbox.New wire it", rel, sub)
			case sub == "webapi" && strings.HasPrefix(rel, "internal/"):
				t.Errorf("package sandbox/%s imports the protocol layer sandbox/webapi", rel)
			}
		}
	}
	for _, m := range []string{"customer", "integration", "directory", "store", "async"} {
		if _, ok := imports[m]; !ok {
			t.Errorf("module package sandbox/%s is missing (found %v)", m, modules)
		}
	}
}
