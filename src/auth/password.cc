// Filled in by its subsystem's change.
