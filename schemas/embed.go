// Package schemas holds mageseed's JSON Schemas (draft 2020-12), embedded in
// the binary so that validation never needs the network.
//
// The manifest schema is the contract for what users write; editors that
// speak the yaml-language-server protocol read it through the
// "# yaml-language-server: $schema=..." line at the top of each manifest and
// show its descriptions on hover.
package schemas

import _ "embed"

// Manifest is manifest.schema.json, the schema of a mageseed manifest file.
//
//go:embed manifest.schema.json
var Manifest []byte

// ManifestID is the $id of the manifest schema.
const ManifestID = "https://mageseed.dev/schemas/manifest.schema.json"

// Outputs is outputs.schema.json, the schema of the outputs file that
// mageseed apply writes.
//
//go:embed outputs.schema.json
var Outputs []byte

// OutputsID is the $id of the outputs schema.
const OutputsID = "https://mageseed.dev/schemas/outputs.schema.json"
