"""A sample service package whose compiled graphs are generated while its wheel is built."""
