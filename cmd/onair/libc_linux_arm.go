//go:build !cgo

package main

import _ "unsafe" // go:cgo_import_dynamic needs unsafe imported

// On 32-bit ARM, purego's loader needs only libdl.so.2, so the binary
// would not name the C library, which Debian's armhf checks expect of a
// dynamically linked program (the package depends on libc6). Naming it
// changes nothing at run time: libdl.so.2 loads libc.so.6 anyway.
//
//go:cgo_import_dynamic _ _ "libc.so.6"
