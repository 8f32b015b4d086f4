// Package web holds the pages OnAir serves to browsers: the DJ console,
// the public station page and the player other sites embed. They are
// plain HTML, CSS and JavaScript modules, embedded in the binary; there is
// no build step.
package web

import (
	"embed"
	"io/fs"
)

//go:embed console public
var files embed.FS

// Console is the DJ console's files: index.html, its script and style.
func Console() fs.FS {
	sub, err := fs.Sub(files, "console")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	return sub
}
