package store

// OutboxEntry is the record of a job-completion notification waiting for
// delivery: the value of its TimerNotify timer key. Its fields are those of
// the engine's Notification, and the count of attempts made.
type OutboxEntry struct {
	ID      string `json:"ID"`
	Topic   string `json:"Topic"`
	Subject string `json:"Subject"`
	// Message is stored in base64, as encoding/json stores bytes.
	Message []byte `json:"Message"`
	// Attempts is how many deliveries were begun before; added within
	// format version 2, absent (an older build's entry) means none.
	Attempts int `json:"Attempts,omitempty"`
}
