"""The dashboard app: pages for publishers, miners and validators."""
