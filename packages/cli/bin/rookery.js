#!/usr/bin/env node
// Entry point of the `rookery` command; the implementation is compiled to dist/.
import '../dist/bin.js';
