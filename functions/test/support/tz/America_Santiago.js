process.env.TZ = 'America/Santiago';
