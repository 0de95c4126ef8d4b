"""tallybot's benchmarks: the DESIGN §11 figures, measured in one run (`python -m bench`)."""
