"""AD transforms: IR → derivative IR (reverse: VJP; forward: JVP)."""
