// The public API of @kd/backend is listed here as it lands.
