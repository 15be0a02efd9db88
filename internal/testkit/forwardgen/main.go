// Command forwardgen writes a file that implements firn.Glacier on a type
// of the package it runs for, each method forwarding to one generic
// function (see testkit.Forwarder). Use it from go generate:
//
//	//go:generate go run ../internal/testkit/forwardgen -type Faulty -func call -o faulty_glacier.go
package main

import (
	"flag"
	"log"
	"os"

	"github.com/firnstore/firn/internal/testkit"
)

func main() {
	typ := flag.String("type", "", "the type that gets the methods")
	fn := flag.String("func", "", "the generic function each method calls")
	out := flag.String("o", "", "the file to write")
	flag.Parse()
	pkg := os.Getenv("GOPACKAGE")
	if *typ == "" || *fn == "" || *out == "" || pkg == "" {
		log.Fatal("forwardgen: run by go generate with -type, -func and -o")
	}
	src, err := testkit.Forwarder(pkg, *typ, *fn)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*out, src, 0o666); err != nil {
		log.Fatal(err)
	}
}
