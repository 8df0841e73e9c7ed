package atlas

import "github.com/atlasrestore/mongodbatlas_restore_exporter/atlas/facts"

// Every media type the client sends, in one place. Atlas v2 versions each resource by date and
// answers 406 without the version, and 410 VERSION_GONE once a version is past its sunset; v1.0,
// Cloud Manager and Ops Manager take plain JSON. The README lists these with their sunsets.
const (
	// MediaTypeV2 is what the v2 restore-job resources (Cloud Backup and legacy) and the project
	// lists are read with: the only version of the restore-job resources.
	MediaTypeV2 = "application/vnd.atlas.2023-01-01+json"
	// MediaTypeClusters reads the cluster list under v2: the first version not sunset, in which
	// backupEnabled means Cloud Backup and providerBackupEnabled is gone.
	MediaTypeClusters = "application/vnd.atlas.2024-08-05+json"
	// MediaTypeCollectionRestores is the version of the collection restore jobs.
	MediaTypeCollectionRestores = "application/vnd.atlas.2025-03-12+json"
	// MediaTypeFlex is the only version of the Flex cluster resources.
	MediaTypeFlex = "application/vnd.atlas.2024-11-13+json"
	// mediaTypeJSON is for every root but v2.
	mediaTypeJSON = "application/json"
)

// mediaType picks the media type the base URL's API version needs for all but Flex.
func (c *Client) mediaType() string {
	if c.IsV2() {
		return MediaTypeV2
	}
	return mediaTypeJSON
}

// IsV2 reports whether the client's base URL is an Atlas v2 root, as the config's checks judge it.
func (c *Client) IsV2() bool { return facts.IsV2(c.base.Path) }
