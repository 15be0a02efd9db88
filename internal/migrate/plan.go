package migrate

import (
	"time"

	"github.com/firnstore/firn"
)

// Plan is what a run retrieves from the source: the archives not at the
// destination, requested in waves an hour apart.
type Plan struct {
	// Archives and Bytes count the archives to copy.
	Archives int   `json:"archives"`
	Bytes    int64 `json:"bytes"`
	// Adopted counts the archives to copy whose retrieval job was already
	// requested (by an earlier run), which no wave requests again.
	Adopted int `json:"adopted"`
	// Waves are the retrievals to request, the first at once and each an
	// hour after the one before.
	Waves []Wave `json:"waves"`
	// EstimatedMin and EstimatedMax bound the time until the last job
	// completes: the hours between the first and the last wave plus the
	// tier's completion time (Bulk 5-12 h, Standard 3-5 h, Expedited 1-5
	// min). Downloads come on top.
	EstimatedMin time.Duration `json:"estimatedMin"`
	EstimatedMax time.Duration `json:"estimatedMax"`
}

// Wave is one batch of retrieval requests.
type Wave struct {
	Archives int   `json:"archives"`
	Bytes    int64 `json:"bytes"`
}

// waveInterval is the time between waves: MaxBytesPerHour is per hour.
const waveInterval = time.Hour

// tierTime is the service's published completion time of a tier.
func tierTime(tier string) (lo, hi time.Duration) {
	switch tier {
	case firn.TierExpedited:
		return time.Minute, 5 * time.Minute
	case firn.TierStandard:
		return 3 * time.Hour, 5 * time.Hour
	default:
		return 5 * time.Hour, 12 * time.Hour
	}
}

// waves splits archives, in order, into consecutive waves of at most
// budget bytes each (budget 0: one wave); an archive larger than the
// budget is a wave alone. It returns the archives' indexes by wave.
func waves(inventory []Archive, todo []int, budget int64) [][]int {
	var out [][]int
	var bytes int64
	for _, i := range todo {
		size := inventory[i].Size
		if len(out) == 0 || (budget > 0 && bytes+size > budget) {
			out = append(out, nil)
			bytes = 0
		}
		out[len(out)-1] = append(out[len(out)-1], i)
		bytes += size
	}
	return out
}

// newPlan describes the waves of a run copying todo, of which adopted
// already have a job.
func newPlan(inventory []Archive, todo []int, adopted int, ws [][]int, tier string) *Plan {
	p := &Plan{Archives: len(todo), Adopted: adopted, Waves: []Wave{}}
	for _, i := range todo {
		p.Bytes += inventory[i].Size
	}
	for _, w := range ws {
		wave := Wave{Archives: len(w)}
		for _, i := range w {
			wave.Bytes += inventory[i].Size
		}
		p.Waves = append(p.Waves, wave)
	}
	if len(todo) > 0 {
		lo, hi := tierTime(tier)
		spread := time.Duration(max(len(ws)-1, 0)) * waveInterval
		p.EstimatedMin, p.EstimatedMax = spread+lo, spread+hi
	}
	return p
}
