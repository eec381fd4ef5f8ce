// Package archtest holds no code, only a test of the project's dependency
// rule: cluster/ (the shared seam and the providers) depends on no mode, and
// no mode on the other. What both modes share lives in internal/ (zkmeta,
// zkensemble); only the binaries under cmd/ choose a mode. The test reads the
// import graph from go list, so it fails as soon as an import comes back.
package archtest
