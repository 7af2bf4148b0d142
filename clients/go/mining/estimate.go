package mining

import (
	"bytes"
	"io"

	"github.com/tos-network/tos-ai/clients/go/tosai"
)

var baseSuccess = map[tosai.Difficulty]float64{
	tosai.Beginner: 0.9, tosai.Intermediate: 0.75, tosai.Advanced: 0.55, tosai.Expert: 0.35,
}

// SuccessProbability is a rough chance (0–1) of winning a task: easier levels, higher reputation
// and fewer rivals score higher. It is the Python client's estimate:
//
//	p = base(difficulty) × (0.5 + reputation/2000) / (1 + participants/4)
//
// with base 0.9, 0.75, 0.55 and 0.35 for Beginner to Expert, clamped to 0–1.
func SuccessProbability(difficulty tosai.Difficulty, participants, reputation int) float64 {
	base, ok := baseSuccess[difficulty]
	if !ok {
		base = 0.2
	}
	skill := 0.5 + float64(min(max(reputation, 0), 1000))/2000
	p := base * skill / (1 + float64(participants)/4)
	return min(max(p, 0), 1)
}

func bytesReader(data []byte) io.Reader { return bytes.NewReader(data) }
