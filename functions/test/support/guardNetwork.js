// Second guard (the first: no Google client without an emulator or credentials): Google client libraries must never probe the metadata server from tests.
process.env.METADATA_SERVER_DETECTION = 'none';
process.env.GCLOUD_PROJECT = process.env.GCLOUD_PROJECT || 'demo-focus-streaks';
