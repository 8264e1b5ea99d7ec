// The public API of @kd/ensemble is listed here as it lands.
