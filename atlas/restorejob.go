package atlas

// RestoreJob is a legacy-backup restore job as Cloud Manager, Ops Manager and Atlas v1.0 send it.
//
// The delivery URL fields (url, urlV2, authHeader, authValue) and masterKeyUUID are bearer
// secrets and are deliberately not declared: what is never decoded can never leak.
type RestoreJob struct {
	ID                string          `json:"id"`
	GroupID           string          `json:"groupId"`
	ClusterID         string          `json:"clusterId"`
	ClusterName       string          `json:"clusterName"`
	SnapshotID        string          `json:"snapshotId"`
	BatchID           string          `json:"batchId"`
	Created           Time            `json:"created"`
	StatusName        string          `json:"statusName"`
	Delivery          *Delivery       `json:"delivery"`
	EncryptionEnabled *bool           `json:"encryptionEnabled"`
	Hashes            []FileHash      `json:"hashes"`
	Timestamp         *OplogTimestamp `json:"timestamp"`
	PointInTime       *bool           `json:"pointInTime"`
}

// Delivery says how the restored data reaches the user; pointers tell "absent" from zero.
type Delivery struct {
	MethodName        string `json:"methodName"`
	StatusName        string `json:"statusName"`
	Expires           Time   `json:"expires"`
	ExpirationHours   *int64 `json:"expirationHours"`
	MaxDownloads      *int64 `json:"maxDownloads"`
	TargetClusterID   string `json:"targetClusterId"`
	TargetClusterName string `json:"targetClusterName"`
	TargetGroupID     string `json:"targetGroupId"`
}

// FileHash appears once the delivery file has been downloaded, which is how downloads are detected.
type FileHash struct {
	TypeName string `json:"typeName"`
	FileName string `json:"fileName"`
	Hash     string `json:"hash"`
}

// OplogTimestamp is the point in the oplog that the restored snapshot reaches.
type OplogTimestamp struct {
	Date      Time  `json:"date"`
	Increment int64 `json:"increment"`
}

// Link is a web link in a list page; the client reads only rel to learn whether more pages follow.
type Link struct {
	Rel string `json:"rel"`
}
