package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/mageseed/mageseed"
	"github.com/mageseed/mageseed/outputs"
)

// metadataFile is the JSON form of a store's metadata snapshot, as
// 'mageseed export --metadata FILE' writes it and 'mageseed validate
// --metadata FILE' reads it.
type metadataFile struct {
	Version int    `json:"version"`
	Store   string `json:"store,omitempty"`
	mageseed.Metadata
}

// writeMetadata writes md, read from the store at url, to path.
func writeMetadata(path, url string, md *mageseed.Metadata) error {
	b, err := json.MarshalIndent(metadataFile{Version: 1, Store: url, Metadata: *md}, "", "  ")
	if err != nil {
		return fmt.Errorf("write the metadata snapshot %s: %w", path, err)
	}
	b = append(b, '\n')
	if err := outputs.WriteFileAtomic(path, 0o644, func(w io.Writer) error { _, err := w.Write(b); return err }); err != nil {
		return fmt.Errorf("write the metadata snapshot %s: %w", path, err)
	}
	return nil
}

// readMetadata reads a snapshot written by writeMetadata.
func readMetadata(path string) (*mageseed.Metadata, error) {
	hint := func(err error) error {
		return withHint(err, "write one with 'mageseed export --metadata %s' against the store", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, hint(fmt.Errorf("read the metadata snapshot: %w", err))
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, 64<<20))
	if err != nil {
		return nil, hint(fmt.Errorf("read the metadata snapshot %s: %w", path, err))
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var mf metadataFile
	if err := dec.Decode(&mf); err != nil {
		return nil, hint(fmt.Errorf("read the metadata snapshot %s: %w", path, err))
	}
	if mf.Version != 1 {
		return nil, hint(fmt.Errorf("read the metadata snapshot %s: version %d, want 1", path, mf.Version))
	}
	if mf.CustomerAttributes == nil || mf.AddressAttributes == nil {
		return nil, hint(errors.New("read the metadata snapshot " + path + ": it lists no attributes"))
	}
	return &mf.Metadata, nil
}
