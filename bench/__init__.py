"""`make bench`: the load benchmarks of docs/performance.md. Not part of the product nor of the test suite.

bench.settings adds this app (the loader and render/issue commands, the two ceiling views) to the
product's settings; the product never imports it.
"""
