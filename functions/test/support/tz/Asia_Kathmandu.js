process.env.TZ = 'Asia/Kathmandu';
