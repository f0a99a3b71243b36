// Package console is hookrelay's web console: plain HTML, CSS and JavaScript
// embedded in the binary and served by the API at /console/. The files are
// public; the page asks for a key and sends it as a bearer token with every
// API call it makes, so it has exactly the rights of that key.
package console

import (
	"embed"
	"io/fs"
	"net/http"
)

//go:embed static
var static embed.FS

// Path is where the console is served.
const Path = "/console/"

// Register adds the console's routes to mux: GET /console/… serves the
// files, GET /console redirects to /console/.
func Register(mux *http.ServeMux) {
	mux.Handle("GET /console", http.RedirectHandler(Path, http.StatusMovedPermanently))
	mux.Handle("GET "+Path, Handler())
}

// Open reports whether a mux pattern is one of the console's, which need no
// key.
func Open(pattern string) bool {
	return pattern == "GET /console" || pattern == "GET "+Path
}

// Handler serves the console's files below /console/, with headers that keep
// the page from running anything but its own script and from being framed.
func Handler() http.Handler {
	files, err := fs.Sub(static, "static")
	if err != nil { // cannot happen: the folder is compiled in
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "console: "+err.Error(), http.StatusInternalServerError)
		})
	}
	fileServer := http.StripPrefix(Path, http.FileServerFS(files))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; form-action 'none'; frame-ancestors 'none'; base-uri 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-cache")
		fileServer.ServeHTTP(w, r)
	})
}
