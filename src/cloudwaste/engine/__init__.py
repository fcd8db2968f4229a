"""The scan engine: plan checks, run units and checks under one concurrency bound, gate."""
