"""Scripts that print numbers about the hub (speed, memory, quality) and the synthetic feeds they run on."""
