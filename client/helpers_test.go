package client_test

import "github.com/firnstore/firn/client"

func jobIDs(js []*client.Job) []string {
	ids := []string{}
	for _, j := range js {
		ids = append(ids, j.ID())
	}
	return ids
}
