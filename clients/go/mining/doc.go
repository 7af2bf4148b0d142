// Package mining is the TOS design's auto-mining loop: a Miner scans the active tasks every
// check interval (60 s), reacts to task_published events at once, joins the suitable ones
// (target difficulties, max concurrent tasks, min success probability, min time left), solves
// and submits them with a pluggable Solver, and pauses 30 s after an error.
//
// Two solvers are provided: OpenAISolver, for any OpenAI-compatible chat completions API, and
// OfflineDrafter, which drafts a labelled answer from the task's own text with no AI service.
// cmd/tos-ai-miner runs a Miner from flags or a config file.
package mining
