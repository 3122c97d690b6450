/**
 * What a receive or probe learned about its message (MPI_Status). Pass one to
 * `recv`, `probe`, `Request.wait`... and read it afterwards.
 */
export class Status {
  /** Rank of the sender in the communicator. */
  source = -1;
  /** Tag the message was sent with. */
  tag = -1;
  /** Elements for a typed-array message, encoded bytes for any other value. */
  count = 0;
  /** Encoded size of the message payload in bytes. */
  byteLength = 0;

  Get_source(): number {
    return this.source;
  }
  Get_tag(): number {
    return this.tag;
  }
  Get_count(): number {
    return this.count;
  }
}
