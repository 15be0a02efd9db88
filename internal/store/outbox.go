package store

// OutboxEntry is the record of a job-completion notification waiting for
// delivery: the value of its TimerNotify timer key. Its fields are those of
// the engine's Notification.
type OutboxEntry struct {
	ID      string `json:"ID"`
	Topic   string `json:"Topic"`
	Subject string `json:"Subject"`
	// Message is stored in base64, as encoding/json stores bytes.
	Message []byte `json:"Message"`
}
