"""hayate: agent, operator CLI and monitors for the hayate router."""
