"""The Cymbal marketing agent package (ADK loads `agent.agent.root_agent`)."""
