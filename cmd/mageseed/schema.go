package main

import (
	"github.com/spf13/cobra"

	"github.com/mageseed/mageseed/schemas"
)

func newSchemaCmd(s streams) *cobra.Command {
	return &cobra.Command{
		Use:   "schema",
		Short: "Print the manifest JSON Schema",
		Long: `schema prints the JSON Schema (draft 2020-12) that manifests are validated
against. Editors with a YAML language server read it from the first line of a
manifest:

  # yaml-language-server: $schema=path/to/manifest.schema.json`,
		Example: `  mageseed schema > manifest.schema.json`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := s.out.Write(schemas.Manifest)
			return err
		},
	}
}
