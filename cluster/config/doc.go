// Package config reads a kraftbench node's configuration the way Kafka reads
// server.properties: Kafka's property names, Kafka's defaults, and an error
// that names the property and the value for anything unknown or invalid.
//
// The mode follows from the properties, as in Kafka: process.roles set means
// KRaft mode, zookeeper.connect set (and no process.roles) means ZooKeeper
// mode. Each mode package maps the typed Node onto its own Config.
package config
