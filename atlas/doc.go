// Package atlas is a small client for the restore-job endpoints of the MongoDB Atlas, Cloud Manager and Ops Manager Admin API.
package atlas
