"""The committee's workspace: every decision of an evaluation taken in a browser, signed in, by the person
who may take it (`tenderscore serve`, or `tenderscore workspace` alone)."""
