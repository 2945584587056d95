package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"strconv"
	"strings"
)

// country is one element of the directory literal.
type country struct {
	comment                         []string // the lines of the comment above it
	id, iso3, name                  string
	stateRequired, postcodeOptional bool
	regions                         []region
}

type region struct {
	id         int
	code, name string
}

// convert parses the Go source src (named name in errors), finds the
// variable directory and writes it to w in the format of directory.tsv.
func convert(w io.Writer, name string, src []byte) error {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, name, src, parser.ParseComments)
	if err != nil {
		return err
	}
	decl, lit := findDirectory(f)
	if lit == nil {
		return fmt.Errorf("%s: no var directory = []Country{...}", name)
	}
	var countries []country
	prevEnd := lit.Lbrace
	for _, elt := range lit.Elts {
		cl, ok := elt.(*ast.CompositeLit)
		if !ok {
			return fmt.Errorf("%s: country is not a composite literal", fset.Position(elt.Pos()))
		}
		c, err := parseCountry(fset, cl)
		if err != nil {
			return err
		}
		for _, cg := range f.Comments {
			if cg.Pos() > prevEnd && cg.End() < cl.Pos() {
				c.comment = append(c.comment, commentLines(cg)...)
			}
		}
		prevEnd = cl.End()
		countries = append(countries, c)
	}
	return write(w, commentLines(decl.Doc), countries)
}

func findDirectory(f *ast.File) (*ast.GenDecl, *ast.CompositeLit) {
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.VAR {
			continue
		}
		for _, s := range gd.Specs {
			vs := s.(*ast.ValueSpec)
			if len(vs.Names) == 1 && vs.Names[0].Name == "directory" && len(vs.Values) == 1 {
				if lit, ok := vs.Values[0].(*ast.CompositeLit); ok {
					return gd, lit
				}
			}
		}
	}
	return nil, nil
}

// commentLines returns the text of a comment group line by line, without
// the comment markers; a nil group has none.
func commentLines(cg *ast.CommentGroup) []string {
	if cg == nil {
		return nil
	}
	var out []string
	for _, c := range cg.List {
		out = append(out, strings.TrimPrefix(strings.TrimPrefix(c.Text, "//"), " "))
	}
	return out
}

func parseCountry(fset *token.FileSet, cl *ast.CompositeLit) (country, error) {
	var c country
	for _, e := range cl.Elts {
		kv, ok := e.(*ast.KeyValueExpr)
		if !ok {
			return c, fmt.Errorf("%s: country field without a key", fset.Position(e.Pos()))
		}
		key := kv.Key.(*ast.Ident).Name
		var err error
		switch key {
		case "ID":
			c.id, err = str(fset, kv.Value)
		case "ISO3":
			c.iso3, err = str(fset, kv.Value)
		case "Name":
			c.name, err = str(fset, kv.Value)
		case "StateRequired":
			c.stateRequired, err = boolean(fset, kv.Value)
		case "PostcodeOptional":
			c.postcodeOptional, err = boolean(fset, kv.Value)
		case "Regions":
			c.regions, err = regions(fset, kv.Value)
		default:
			err = fmt.Errorf("%s: unknown country field %s", fset.Position(kv.Pos()), key)
		}
		if err != nil {
			return c, err
		}
	}
	return c, nil
}

func regions(fset *token.FileSet, e ast.Expr) ([]region, error) {
	lit, ok := e.(*ast.CompositeLit)
	if !ok {
		return nil, fmt.Errorf("%s: regions are not a composite literal", fset.Position(e.Pos()))
	}
	out := make([]region, 0, len(lit.Elts))
	for _, re := range lit.Elts {
		rl, ok := re.(*ast.CompositeLit)
		if !ok || len(rl.Elts) != 3 {
			return nil, fmt.Errorf("%s: a region is {id, code, name}", fset.Position(re.Pos()))
		}
		bl, ok := rl.Elts[0].(*ast.BasicLit)
		if !ok || bl.Kind != token.INT {
			return nil, fmt.Errorf("%s: region id is not an integer", fset.Position(rl.Pos()))
		}
		id, err := strconv.Atoi(bl.Value)
		if err != nil {
			return nil, fmt.Errorf("%s: region id: %v", fset.Position(bl.Pos()), err)
		}
		code, err := str(fset, rl.Elts[1])
		if err != nil {
			return nil, err
		}
		name, err := str(fset, rl.Elts[2])
		if err != nil {
			return nil, err
		}
		out = append(out, region{id, code, name})
	}
	return out, nil
}

func str(fset *token.FileSet, e ast.Expr) (string, error) {
	bl, ok := e.(*ast.BasicLit)
	if !ok || bl.Kind != token.STRING {
		return "", fmt.Errorf("%s: want a string literal", fset.Position(e.Pos()))
	}
	s, err := strconv.Unquote(bl.Value)
	if err != nil {
		return "", fmt.Errorf("%s: %v", fset.Position(e.Pos()), err)
	}
	if strings.ContainsAny(s, "\t\n") {
		return "", fmt.Errorf("%s: %q holds a tab or a newline", fset.Position(e.Pos()), s)
	}
	return s, nil
}

func boolean(fset *token.FileSet, e ast.Expr) (bool, error) {
	id, ok := e.(*ast.Ident)
	if !ok || (id.Name != "true" && id.Name != "false") {
		return false, fmt.Errorf("%s: want true or false", fset.Position(e.Pos()))
	}
	return id.Name == "true", nil
}

// write writes the directory in the format package directory reads: lines
// starting with # are comments; a country line is
// "country<TAB>ID<TAB>ISO3<TAB>Name<TAB>flags", flags being "-" or a
// comma-separated list of stateRequired and postcodeOptional; each region
// line "region<TAB>id<TAB>code<TAB>name" belongs to the country above it.
func write(w io.Writer, header []string, countries []country) error {
	var b strings.Builder
	for _, l := range header {
		b.WriteString(strings.TrimRight("# "+l, " ") + "\n")
	}
	b.WriteString("#\n# Format: country<TAB>id<TAB>iso3<TAB>name<TAB>flags (- or stateRequired,postcodeOptional);\n")
	b.WriteString("# region<TAB>id<TAB>code<TAB>name, belonging to the country above it, in install order.\n")
	for _, c := range countries {
		for _, l := range c.comment {
			b.WriteString(strings.TrimRight("# "+l, " ") + "\n")
		}
		var flags []string
		if c.stateRequired {
			flags = append(flags, "stateRequired")
		}
		if c.postcodeOptional {
			flags = append(flags, "postcodeOptional")
		}
		if len(flags) == 0 {
			flags = []string{"-"}
		}
		fmt.Fprintf(&b, "country\t%s\t%s\t%s\t%s\n", c.id, c.iso3, c.name, strings.Join(flags, ","))
		for _, r := range c.regions {
			fmt.Fprintf(&b, "region\t%d\t%s\t%s\n", r.id, r.code, r.name)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
