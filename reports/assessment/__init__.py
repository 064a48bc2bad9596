"""The final assessment of a target year: every target of every plan, met or not, by how much."""
