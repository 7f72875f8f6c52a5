// Second guard (DESIGN §8): Google client libraries must never probe the metadata server from tests.
process.env.METADATA_SERVER_DETECTION = 'none';
process.env.GCLOUD_PROJECT = process.env.GCLOUD_PROJECT || 'demo-focus-streaks';
